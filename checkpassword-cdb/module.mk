checkpassword-cdb_PROGRAMS := checkpassword-cdb
checkpassword-cdb_LDLIBS := $(CDB_LIBS) $(CRYPT_LIBS)
