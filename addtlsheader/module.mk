addtlsheader_PROGRAMS := qmail-qfilter-addtlsheader
addtlsheader_LDLIBS :=
