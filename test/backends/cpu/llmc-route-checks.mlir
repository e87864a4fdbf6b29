// RUN: llmc-opt %s --llmc-route-checks | FileCheck %s

// In an entry point, a failed check calls services->fail with its message, if the table has it.
// CHECK: llvm.mlir.global internal constant @llmc_check_message_0("shape mismatch\00")
// CHECK-LABEL: func.func @entry
// CHECK: cf.cond_br %{{.*}}, ^[[CONTINUE:.*]], ^[[FAILING:.*]]
// CHECK: ^[[FAILING]]:
// CHECK: llvm.getelementptr %[[SERVICES:.*]][4] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> i32
// CHECK: llvm.icmp "uge"
// CHECK: llvm.getelementptr %{{.*}}[40] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.call %{{.*}}(%{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
// CHECK: ^[[CONTINUE]]:
// CHECK-NOT: cf.assert
func.func @entry(%ok: i1, %scratch: memref<?xi8>, %services: !llvm.ptr) attributes {llvm.emit_c_interface} {
  cf.assert %ok, "shape mismatch"
  return
}

// Without the services table the check is dropped: the code after it is safe on its own.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: cf.assert
// CHECK: return
func.func private @helper(%ok: i1) {
  cf.assert %ok, "unreachable"
  return
}
