authup_PROGRAMS := authup checknotroot
authup_LDLIBS := $(NETTLE_LIBS)
