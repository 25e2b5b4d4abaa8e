{
  "targets": [
    {
      "target_name": "maflow_native",
      "sources": [
        "native/gemm-avx2.cc",
        "native/gemm-avx512.cc",
        "native/gemm-bf16.cc",
        "native/gemm-generic.cc",
        "native/addon.cc",
        "native/gemm.cc",
        "native/elementwise.cc",
        "native/staircase.cc",
        "native/staircase-train.cc",
        "native/spline.cc",
        "native/monotone.cc",
        "native/transformer.cc",
        "native/thread-pool.cc",
        "native/tensor-list.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=gnu++17", "-fexceptions", "-O3", "-fno-math-errno", "-fno-trapping-math",
                    "-ffp-contract=fast", "-Wno-psabi", "-fno-gcse"]
    }
  ]
}
