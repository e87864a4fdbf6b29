// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @nonzero_result(%x: tensor<2x3xf32>) -> tensor<3x?xi64> {
  // expected-error @+1 {{'llm.nonzero' op result type 'tensor<3x?xi64>' is incompatible with the inferred type 'tensor<2x?xi64>'}}
  %0 = llm.nonzero %x : tensor<2x3xf32> -> tensor<3x?xi64>
  return %0 : tensor<3x?xi64>
}

// -----

func.func @nonzero_element(%x: tensor<2xindex>) -> tensor<1x?xi64> {
  // expected-error @+1 {{'llm.nonzero' op expected an integer, float or bool input, got 'index'}}
  %0 = llm.nonzero %x : tensor<2xindex> -> tensor<1x?xi64>
  return %0 : tensor<1x?xi64>
}

// -----

func.func @unique_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'llm.unique' op expected an input of rank 1 or more}}
  %0:4 = llm.unique %x {axis = 0 : i64, sorted = true}
      : tensor<f32> -> tensor<?xf32>, tensor<?xi64>, tensor<1xi64>, tensor<?xi64>
  return
}

// -----

func.func @unique_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'llm.unique' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0:4 = llm.unique %x {axis = 2 : i64, sorted = true}
      : tensor<3x4xf32> -> tensor<3x?xf32>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>
  return
}

// -----

func.func @unique_element(%x: tensor<4xindex>) {
  // expected-error @+1 {{'llm.unique' op expected an integer, float or bool input, got 'index'}}
  %0:4 = llm.unique %x {axis = 0 : i64, sorted = true}
      : tensor<4xindex> -> tensor<?xindex>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>
  return
}

// -----

func.func @unique_results(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'llm.unique' op result types 'tensor<3x?xf32>', 'tensor<?xi64>', 'tensor<3xi64>', 'tensor<?xi64>' are incompatible with the inferred types 'tensor<3x?xf32>', 'tensor<?xi64>', 'tensor<4xi64>', 'tensor<?xi64>'}}
  %0:4 = llm.unique %x {axis = 1 : i64, sorted = true}
      : tensor<3x4xf32> -> tensor<3x?xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>
  return
}

// -----

func.func @nms_rank(%boxes: tensor<6x4xf32>, %scores: tensor<1x1x6xf32>, %max: tensor<i64>,
                    %iou: tensor<f32>, %score: tensor<f32>) -> tensor<?x3xi64> {
  // expected-error @+1 {{'llm.non_max_suppression' op expected rank-3 boxes and scores, got 'tensor<6x4xf32>' and 'tensor<1x1x6xf32>'}}
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
      : (tensor<6x4xf32>, tensor<1x1x6xf32>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

func.func @nms_element(%boxes: tensor<1x6x4xi32>, %scores: tensor<1x1x6xi32>, %max: tensor<i64>,
                       %iou: tensor<f32>, %score: tensor<f32>) -> tensor<?x3xi64> {
  // expected-error @+1 {{'llm.non_max_suppression' op boxes and scores must have one float element type}}
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
      : (tensor<1x6x4xi32>, tensor<1x1x6xi32>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

func.func @nms_coordinates(%boxes: tensor<1x6x3xf32>, %scores: tensor<1x1x6xf32>, %max: tensor<i64>,
                           %iou: tensor<f32>, %score: tensor<f32>) -> tensor<?x3xi64> {
  // expected-error @+1 {{'llm.non_max_suppression' op boxes must have 4 coordinates in their last dim, got 1x6x3}}
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
      : (tensor<1x6x3xf32>, tensor<1x1x6xf32>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

func.func @nms_counts(%boxes: tensor<1x6x4xf32>, %scores: tensor<1x1x5xf32>, %max: tensor<i64>,
                      %iou: tensor<f32>, %score: tensor<f32>) -> tensor<?x3xi64> {
  // expected-error @+1 {{'llm.non_max_suppression' op boxes 1x6x4 and scores 1x1x5 disagree on the batch or box count}}
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
      : (tensor<1x6x4xf32>, tensor<1x1x5xf32>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

func.func @nms_max(%boxes: tensor<1x6x4xf32>, %scores: tensor<1x1x6xf32>, %max: tensor<2xi64>,
                   %iou: tensor<f32>, %score: tensor<f32>) -> tensor<?x3xi64> {
  // expected-error @+1 {{'llm.non_max_suppression' op max_output_boxes_per_class must be a single i64 element}}
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
      : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, tensor<2xi64>, tensor<f32>, tensor<f32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

func.func @nms_thresholds(%boxes: tensor<1x6x4xf32>, %scores: tensor<1x1x6xf32>, %max: tensor<i64>,
                          %iou: tensor<f64>, %score: tensor<f32>) -> tensor<?x3xi64> {
  // expected-error @+1 {{'llm.non_max_suppression' op iou_threshold and score_threshold must be single elements of the boxes' type}}
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
      : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, tensor<i64>, tensor<f64>, tensor<f32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}
