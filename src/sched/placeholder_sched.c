/* placeholder */ typedef int sw_placeholder_sched;
