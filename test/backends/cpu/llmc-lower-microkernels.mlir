// RUN: llmc-opt %s --llmc-lower-microkernels | FileCheck %s

// Each buffer is passed as the address of its first element (aligned pointer plus offset times
// the element size), then the scalars, then the services table (the last argument).

// CHECK: func.func private @llmc_mk_linear_q8_0(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, !llvm.ptr)
// CHECK-LABEL: func.func @entry
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK: %[[B:.*]], %[[OFF:.*]], %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %arg3
// CHECK: %[[BYTES:.*]] = arith.muli %[[OFF]], %c4
// CHECK: %[[A:.*]] = arith.addi %[[P]], %[[BYTES]]
// CHECK: %[[I:.*]] = arith.index_cast %[[A]] : index to i64
// CHECK: %[[PTR:.*]] = llvm.inttoptr %[[I]]
// CHECK: call @llmc_mk_linear_q8_0(%{{.*}}, %{{.*}}, %[[PTR]], %c1_i64, %c8_i64, %c64_i64, %arg5)
// CHECK-NOT: llm.microkernel
func.func @entry(%x: memref<1x64xf32>, %w: memref<8x68xi8>, %y: memref<1x8xf32>, %view: memref<2x8xf32, strided<[8, 1], offset: 8>>, %scratch: memref<?xi8>, %services: !llvm.ptr) {
  %m = arith.constant 1 : i64
  %n = arith.constant 8 : i64
  %k = arith.constant 64 : i64
  llm.microkernel "llmc_mk_linear_q8_0" ins(%x, %w : memref<1x64xf32>, memref<8x68xi8>) outs(%y : memref<1x8xf32>) scalars(%m, %n, %k : i64, i64, i64)
  llm.microkernel "llmc_mk_linear_q8_0" ins(%x, %w : memref<1x64xf32>, memref<8x68xi8>) outs(%view : memref<2x8xf32, strided<[8, 1], offset: 8>>) scalars(%m, %n, %k : i64, i64, i64)
  return
}
