proxyup_PROGRAMS := proxyup
proxyup_LDLIBS :=
