// Dispatch of the transform kernels on the transformer's kind.
#include "transformer.h"

#include "elementwise.h"

namespace maflow {

void transformInverse(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* x,
                      const float* params, float* z, double* logDet, bool accumulateLogDet) {
  switch (t.kind) {
    case TransformerKind::Affine:
      affineInverse(batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet, t.bound, t.shiftOnly);
      break;
    case TransformerKind::Spline:
      splineInverse(t, batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet);
      break;
    case TransformerKind::CircularSpline:
      circularSplineInverse(t, batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet);
      break;
    default:
      monotoneInverse(t, batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet);
  }
}

void transformForward(const Transformer& t, int batch, int features, int dStart, int dEnd, const float* z,
                      const float* params, float* x, double* logDet, bool accumulateLogDet, InversionReport* report) {
  switch (t.kind) {
    case TransformerKind::Affine:
      affineForward(batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet, t.bound, t.shiftOnly);
      break;
    case TransformerKind::Spline:
      splineForward(t, batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet);
      break;
    case TransformerKind::CircularSpline:
      circularSplineForward(t, batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet);
      break;
    default:
      monotoneForward(t, batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet, report);
  }
}

}  // namespace maflow
