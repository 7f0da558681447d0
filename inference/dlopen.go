package inference

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
static int can_dlopen(const char *name) {
	void *h = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL) return 0;
	dlclose(h);
	return 1;
}
*/
import "C"
import "unsafe"

// dlopenable reports whether the dynamic loader finds and loads the named library, the
// way ONNX Runtime's CUDA provider will look for it.
func dlopenable(name string) bool {
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	return C.can_dlopen(c) == 1
}
