authup_PROGRAMS := authup checknotroot reup
authup_LDLIBS := $(NETTLE_LIBS)
