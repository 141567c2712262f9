build/libcommon/conf_keys.o: libcommon/conf_keys.c libcommon/conf.h \
 libcommon/err.h
libcommon/conf.h:
libcommon/err.h:
