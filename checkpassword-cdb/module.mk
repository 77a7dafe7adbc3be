checkpassword-cdb_PROGRAMS := checkpassword-cdb cdbpasswd
checkpassword-cdb_LDLIBS := $(CDB_LIBS) $(CRYPT_LIBS)
