build/libcommon/message.o: libcommon/message.c libcommon/message.h \
 libcommon/err.h
libcommon/message.h:
libcommon/err.h:
