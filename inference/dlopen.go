package inference

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
// can_dlopen takes ownership of name (a C.CString) and frees it.
static int can_dlopen(char *name) {
	void *h = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
	free(name);
	if (h == NULL) return 0;
	dlclose(h);
	return 1;
}
*/
import "C"

// dlopenable reports whether the dynamic loader finds and loads the named library, the
// way ONNX Runtime's CUDA provider will look for it.
func dlopenable(name string) bool {
	return C.can_dlopen(C.CString(name)) == 1
}
