build/libcommon/vault.o: libcommon/vault.c libcommon/vault.h \
 libcommon/conf.h libcommon/err.h libcommon/keysource.h
libcommon/vault.h:
libcommon/conf.h:
libcommon/err.h:
libcommon/keysource.h:
