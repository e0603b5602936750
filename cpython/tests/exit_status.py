# sys.exit with a status ends the program with it, after finally blocks.
# status: 3
import sys
try:
    print("exiting")
    sys.exit(3)
finally:
    print("finally ran")
