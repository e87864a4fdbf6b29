//===- MakeTestArtifact.cpp - Writes the test-kernel artifact for ctest -------===//
#include "test/runtime/TestSupport.h"

#include <cstdio>
#include <sys/stat.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.llmc\n", argv[0]);
    return 2;
  }
  std::string path = argv[1];
  size_t slash = path.rfind('/');
  if (slash != std::string::npos)
    mkdir(path.substr(0, slash).c_str(), 0777);
  std::string error;
  if (!llmc::artifact::writeArtifact(llmc::test::kernelModel(), path, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  return 0;
}
