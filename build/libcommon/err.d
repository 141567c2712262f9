build/libcommon/err.o: libcommon/err.c libcommon/err.h
libcommon/err.h:
