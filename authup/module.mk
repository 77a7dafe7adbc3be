authup_PROGRAMS := authup checknotroot
authup_LDLIBS := $(GNUTLS_LIBS)
