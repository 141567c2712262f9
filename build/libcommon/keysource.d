build/libcommon/keysource.o: libcommon/keysource.c libcommon/keysource.h \
 libcommon/conf.h libcommon/err.h libcommon/vault.h
libcommon/keysource.h:
libcommon/conf.h:
libcommon/err.h:
libcommon/vault.h:
