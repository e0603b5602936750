int absent(void);
int needs(void) { return absent(); }
