build/cmd/kmta-dane-check/main.o: cmd/kmta-dane-check/main.c
