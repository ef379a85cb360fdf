#pragma once

#include "ModelContext.h"

namespace ce {

// The models that run whole tasks on threads of this process (InProcessModels.cpp).
void runSequential(ModelContext& ctx);
void runThreads(ModelContext& ctx);
void runTbb(ModelContext& ctx);

} // namespace ce
