//! Unit tests of the VM, recognizers, policies and scanner, on byte strings produced by CPython 3.11
//! (and numpy 2.4 / joblib 1.6 / dill / cloudpickle where named).
