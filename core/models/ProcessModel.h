#pragma once

#include "ModelContext.h"

namespace ce {

// The processes model: one lane thread per worker process (ProcessModel.cpp).
void runProcesses(ModelContext& ctx);

} // namespace ce
