build/libcommon/log.o: libcommon/log.c libcommon/log.h
libcommon/log.h:
