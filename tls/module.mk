tls_PROGRAMS := ucspitlsd
tls_LDLIBS := $(GNUTLS_LIBS)
