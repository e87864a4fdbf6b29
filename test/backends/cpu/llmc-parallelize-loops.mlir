// RUN: llmc-opt %s --llmc-parallelize-loops | FileCheck %s

// A linalg op on buffers in an entry point (one with the services table) runs as chunks of one
// parallel loop dimension: the largest (dynamic counts as largest) that every operand indexes
// plainly and every output has. Here the convolution-like op reads its input at d1 + d2 (a
// window), so d1 cannot be split, and d0 (dynamic) is. The body rebuilds each buffer's
// descriptor from the context's words, views the chunk [begin, end) and shifts linalg.index of
// the split dimension by begin; the caller stores the words (address, offset, sizes, strides)
// and calls llmc_mk_parallel_loop with the count and a grain of at least 4096 iterations.

// CHECK: func.func private @llmc_mk_parallel_loop(i64, (i64, i64, i64) -> (), i64, i64, !llvm.ptr)
// CHECK-LABEL: func.func private @entry_loop0(%arg0: i64, %arg1: i64, %arg2: i64)
// CHECK: %[[BASE:.*]] = llvm.inttoptr %arg0 : i64 to !llvm.ptr
// CHECK: llvm.load
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x20xf32>
// CHECK: %[[BEGIN:.*]] = arith.index_cast %arg1 : i64 to index
// CHECK: %[[END:.*]] = arith.index_cast %arg2 : i64 to index
// CHECK: %[[SIZE:.*]] = arith.subi %[[END]], %[[BEGIN]]
// CHECK: memref.subview %{{.*}}[%[[BEGIN]], 0] [%[[SIZE]], 20] [1, 1]
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: arith.addi %[[I]], %[[BEGIN]] : index
// CHECK: return
// CHECK-LABEL: func.func @entry
// CHECK: %[[CTX:.*]] = memref.alloca() : memref<16xi64>
// CHECK: memref.extract_aligned_pointer_as_index %arg0
// CHECK: memref.extract_strided_metadata %arg0
// CHECK: memref.store %{{.*}}, %[[CTX]]
// CHECK: %[[FN:.*]] = constant @entry_loop0 : (i64, i64, i64) -> ()
// CHECK: call @llmc_mk_parallel_loop(%{{.*}}, %[[FN]], %{{.*}}, %{{.*}}, %arg3)
// CHECK-NOT: linalg.generic
// CHECK: return
#in = affine_map<(d0, d1, d2) -> (d0, d1 + d2)>
#w = affine_map<(d0, d1, d2) -> (d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @entry(%x: memref<?x20xf32>, %k: memref<5xf32>, %y: memref<?x16xf32>, %services: !llvm.ptr) {
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %k : memref<?x20xf32>, memref<5xf32>) outs(%y : memref<?x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %row = linalg.index 0 : index
    %r = arith.index_cast %row : index to i32
    %f = arith.sitofp %r : i32 to f32
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %m, %f : f32
    %t = arith.addf %acc, %s : f32
    linalg.yield %t : f32
  }
  return
}



// Statically small loops, ops outside an entry point and ops whose region uses a value from
// outside (other than a constant) stay.
// CHECK-LABEL: func.func @small
// CHECK: linalg.generic
// CHECK-NOT: llmc_mk_parallel_loop
func.func @small(%x: memref<8x8xf32>, %y: memref<8x8xf32>, %services: !llvm.ptr) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x8xf32>) outs(%y : memref<8x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func.func @no_services
// CHECK: linalg.generic
func.func @no_services(%x: memref<?x64xf32>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}

// CHECK-LABEL: func.func @captured
// CHECK: linalg.generic
func.func @captured(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %scale: f32, %services: !llvm.ptr) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.mulf %a, %scale : f32
    linalg.yield %m : f32
  }
  return
}
