/* store_check.c: the resume checks that compare a sweep in the file with the code that would continue it. */
#include <stdio.h>

#include "store_internal.h"

static int64_t stored_version(hid_t g) {
    int64_t v = 1; /* files written before experiments had versions: every experiment started at 1 */
    if (H5Aexists(g, "experiment_version") <= 0) return v;
    hid_t a = H5Aopen(g, "experiment_version", H5P_DEFAULT);
    if (a < 0 || H5Aread(a, H5T_NATIVE_INT64, &v) < 0) v = -1;
    if (a >= 0) H5Aclose(a);
    return v;
}

sw_status sw_store_check_code_version(const char *path, hid_t g, const sw_sweep *sw, bool allow) {
    int64_t had = stored_version(g), now = sw->exp->version;
    H5Eclear2(H5E_DEFAULT);
    if (had == now || allow) return SW_OK;
    if (had < 0)
        return SW_FAIL(SW_ERR_NOT_RESULT, "%s: sweep '%s' has an unreadable experiment_version attribute", path,
                       sw->name);
    return SW_FAIL(SW_ERR_MISMATCH, "%s: sweep '%s' was computed by version %lld of experiment '%s', and this mpisweep "
                                    "has version %lld: resuming would mix results of two code versions in one sweep. "
                                    "Use a new output file or --overwrite; if the change does not alter any result, "
                                    "pass --allow-version-change", path, sw->name, (long long)had, sw->exp->name,
                   (long long)now);
}
