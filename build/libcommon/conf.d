build/libcommon/conf.o: libcommon/conf.c libcommon/conf.h libcommon/err.h \
 libcommon/keysource.h
libcommon/conf.h:
libcommon/err.h:
libcommon/keysource.h:
