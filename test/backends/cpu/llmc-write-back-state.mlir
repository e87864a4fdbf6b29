// RUN: llmc-opt %s --llmc-write-back-state | FileCheck %s

// A state result that bufferization left in the argument's buffer is dropped; one in another
// buffer is copied back into the argument first.

// CHECK-LABEL: func.func @step
// CHECK-SAME: -> memref<4xf32>
// CHECK-NEXT: return %arg0 : memref<4xf32>
// CHECK-LABEL: func.func @copied
// CHECK-SAME: -> memref<4xf32>
// CHECK: %[[NEW:.*]] = memref.alloc()
// CHECK: memref.copy %[[NEW]], %arg1
// CHECK-NEXT: return %arg0 : memref<4xf32>
func.func @step(%x: memref<4xf32>, %cache: memref<8x4xf32> {llmc.state = "cache"}) -> (memref<4xf32>, memref<8x4xf32> {llmc.state_of = 1 : i64}) {
  return %x, %cache : memref<4xf32>, memref<8x4xf32>
}
func.func @copied(%x: memref<4xf32>, %cache: memref<8x4xf32> {llmc.state = "cache"}) -> (memref<4xf32>, memref<8x4xf32> {llmc.state_of = 1 : i64}) {
  %new = memref.alloc() : memref<8x4xf32>
  memref.copy %cache, %new : memref<8x4xf32> to memref<8x4xf32>
  return %x, %new : memref<4xf32>, memref<8x4xf32>
}
