build/libcommon/buf.o: libcommon/buf.c libcommon/buf.h
libcommon/buf.h:
