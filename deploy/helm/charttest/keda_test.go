package charttest

import (
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
)

// addKEDA registers KEDA's ScaledObject (keda.sh/v1alpha1) with its own Go types.
func addKEDA(s *runtime.Scheme) error { return kedav1alpha1.AddToScheme(s) }
