tls_PROGRAMS := ucspitlsd ucspitlsd-warm
tls_LDLIBS := $(GNUTLS_LIBS)
# Programs of the folder that link none of tls_LDLIBS.
tls_PLAIN := ucspitlsd-warm
