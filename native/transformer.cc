// Dispatch of the transform kernels on the transformer's kind.
#include "transformer.h"

#include "elementwise.h"

namespace maflow {

void transformInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                      const float* params, float* z, double* logDet, bool accumulateLogDet) {
  if (t.kind == TransformerKind::Affine) {
    affineInverse(batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet, t.bound, t.shiftOnly);
  } else {
    splineInverse(t, batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet);
  }
}

void transformForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                      const float* params, float* x, double* logDet, bool accumulateLogDet) {
  if (t.kind == TransformerKind::Affine) {
    affineForward(batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet, t.bound, t.shiftOnly);
  } else {
    splineForward(t, batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet);
  }
}

}  // namespace maflow
