fixsmtpio_PROGRAMS := fixsmtpio fixsmtpio-rules
fixsmtpio_LDLIBS := $(CDB_LIBS)
