build/cmd/kmta-secret/main.o: cmd/kmta-secret/main.c
