// RUN: llmc-opt %s --split-input-file --llmc-plan-memory --verify-diagnostics | FileCheck %s

// %a dies after %b is computed, so %c reuses its bytes; %b is live across both. The result %r
// stays an allocation: the runtime's allocator serves it, and the runtime hands that buffer to
// the caller instead of copying it out of the arena.
// CHECK-LABEL: func.func @reuse
// CHECK-SAME: (%[[X:.*]]: memref<16xf32>, %[[SCRATCH:.*]]: memref<?xi8>, %{{.*}}: !llvm.ptr) -> memref<16xf32>
// CHECK-SAME: llmc.scratch_bytes = 128
// CHECK-SAME: llvm.emit_c_interface
// CHECK: %[[A:.*]] = memref.view %[[SCRATCH]][%c0{{.*}}][] : memref<?xi8> to memref<16xf32>
// CHECK: %[[B:.*]] = memref.view %[[SCRATCH]][%c64{{.*}}][] : memref<?xi8> to memref<16xf32>
// CHECK: %[[C:.*]] = memref.view %[[SCRATCH]][%c0{{.*}}][] : memref<?xi8> to memref<16xf32>
// CHECK: %[[R:.*]] = memref.alloc() : memref<16xf32>
// CHECK: return %[[R]]
func.func @reuse(%x: memref<16xf32>) -> memref<16xf32> {
  %a = memref.alloc() : memref<16xf32>
  linalg.copy ins(%x : memref<16xf32>) outs(%a : memref<16xf32>)
  %b = memref.alloc() : memref<16xf32>
  linalg.copy ins(%a : memref<16xf32>) outs(%b : memref<16xf32>)
  %c = memref.alloc() : memref<16xf32>
  linalg.copy ins(%b : memref<16xf32>) outs(%c : memref<16xf32>)
  %r = memref.alloc() : memref<16xf32>
  linalg.copy ins(%c : memref<16xf32>) outs(%r : memref<16xf32>)
  return %r : memref<16xf32>
}

// -----

// A buffer used through a view stays alive as long as the view is used; a result returned
// through a view is not in the arena either.
// CHECK-LABEL: func.func @through_views
// CHECK-SAME: llmc.scratch_bytes = 192
// CHECK: %[[R:.*]] = memref.alloc() : memref<4x4xf32>
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[R]]
// CHECK: return %[[FLAT]]
func.func @through_views(%x: memref<4x4xf32>) -> memref<16xf32> {
  %a = memref.alloc() : memref<4x4xf32>
  linalg.copy ins(%x : memref<4x4xf32>) outs(%a : memref<4x4xf32>)
  %flat = memref.collapse_shape %a [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  linalg.copy ins(%flat : memref<16xf32>) outs(%b : memref<16xf32>)
  %c = memref.alloc() : memref<16xf32>
  linalg.copy ins(%flat : memref<16xf32>) outs(%c : memref<16xf32>)
  linalg.copy ins(%b : memref<16xf32>) outs(%c : memref<16xf32>)
  %r = memref.alloc() : memref<4x4xf32>
  %rflat = memref.collapse_shape %r [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  linalg.copy ins(%c : memref<16xf32>) outs(%rflat : memref<16xf32>)
  return %rflat : memref<16xf32>
}

// -----

// memref.copy becomes linalg.copy, so it lowers to loops, not to a libc call.
// CHECK-LABEL: func.func @copies
// CHECK-NOT: memref.copy
// CHECK: linalg.copy
func.func @copies(%x: memref<8xf32>, %y: memref<8xf32>) {
  memref.copy %x, %y : memref<8xf32> to memref<8xf32>
  return
}

// -----

// A buffer sized at run time is left for the runtime's allocator.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: llmc.scratch_bytes = 0
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
func.func @dynamic(%n: index) -> memref<?xf32> {
  %a = memref.alloc(%n) : memref<?xf32>
  return %a : memref<?xf32>
}

// -----

// A buffer that a loop iteration yields lives on in the loop's results: the runtime allocates
// it, not the arena.
// CHECK-LABEL: func.func @loop_carried
// CHECK-SAME: llmc.scratch_bytes = 0
// CHECK: scf.for
// CHECK: memref.alloc() : memref<4xf32>
func.func @loop_carried(%x: memref<4xf32>, %n: index) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (memref<4xf32>) {
    %next = memref.alloc() : memref<4xf32>
    linalg.copy ins(%acc : memref<4xf32>) outs(%next : memref<4xf32>)
    scf.yield %next : memref<4xf32>
  }
  return %r : memref<4xf32>
}
