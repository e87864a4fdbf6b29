// RUN: llmc-opt %s --split-input-file --llmc-route-allocations --verify-diagnostics | FileCheck %s

// malloc becomes services->allocate(services, size, 64), read at byte 32 of the table.
// CHECK-LABEL: llvm.func @entry
// CHECK-SAME: (%{{.*}}: i64, %[[SERVICES:.*]]: !llvm.ptr)
// CHECK: %[[FIELD:.*]] = llvm.getelementptr %[[SERVICES]][32] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[FN:.*]] = llvm.load %[[FIELD]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[ALIGN:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: llvm.call %[[FN]](%[[SERVICES]], %{{.*}}, %[[ALIGN]]) : !llvm.ptr, (!llvm.ptr, i64, i64) -> !llvm.ptr
// CHECK-NOT: llvm.call @free
// CHECK-NOT: llvm.func @malloc
module {
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)
  llvm.func @entry(%size: i64, %services: !llvm.ptr) -> !llvm.ptr attributes {llvm.emit_c_interface} {
    %p = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.return %p : !llvm.ptr
  }
}

// -----

module {
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @helper(%size: i64) -> !llvm.ptr {
    // expected-error @+1 {{'llvm.call' op allocates memory outside an entry point, where the runtime's services are not available}}
    %p = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
    llvm.return %p : !llvm.ptr
  }
}
