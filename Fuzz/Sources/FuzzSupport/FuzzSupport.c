// The declaration is in include/FuzzSupport.h; the definition comes from libFuzzer.
