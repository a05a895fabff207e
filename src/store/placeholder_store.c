/* placeholder */ typedef int sw_placeholder_store;
