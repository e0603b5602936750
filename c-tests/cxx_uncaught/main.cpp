#include <stdexcept>
#include <cstdio>
int main() { printf("start\n"); throw std::runtime_error("bad"); }
