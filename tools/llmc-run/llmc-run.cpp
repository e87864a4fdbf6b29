//===- llmc-run.cpp - Runs compiled models without the compiler ---------------===//
#include "runtime/cli/Cli.h"

int main(int argc, char **argv) { return llmc::cli::runMain(argc, argv); }
