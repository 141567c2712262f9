build/cmd/kmta-sign/main.o: cmd/kmta-sign/main.c
