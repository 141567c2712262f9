build/cmd/kmta-queue/main.o: cmd/kmta-queue/main.c
