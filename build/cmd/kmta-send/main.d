build/cmd/kmta-send/main.o: cmd/kmta-send/main.c
