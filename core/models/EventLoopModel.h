#pragma once

#include "ModelContext.h"

#include <string>

namespace ce {

// The eventloop model on the calling thread (EventLoopModel.cpp). Returns false with `error`
// set when no QCoreApplication exists.
bool runEventLoop(ModelContext& ctx, std::string* error);

} // namespace ce
