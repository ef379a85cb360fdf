// The concurrency-explorer executable of the GUI build: the window, and the command line
// (core/cli) with figure export from ui/ given through cli::Hooks. The core-only build
// (CE_BUILD_GUI=OFF) has main_core.cpp instead: the same command line with no hooks.
#include "FigureExport.h"
#include "Launch.h"
#include "MainWindow.h"
#include "SweepFigure.h"
#include "ce/Export.h"
#include "ce/cli/Cli.h"

#include <QApplication>
#include <QBuffer>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool hasDisplay()
{
#if defined(__linux__) || defined(__FreeBSD__)
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
#else
    return true;
#endif
}

bool writeFigure(const std::vector<ce::RunSnapshot>& runs, const ce::Advice* advice, const ce::cli::FigureTarget& target, std::string* error)
{
    ce::ui::FigureOptions options;
    options.size = target.size;
    options.scale = target.scale;
    if (!target.path.isEmpty() && target.path != QLatin1String("-"))
        return ce::ui::saveFigure(target.path, runs, advice, options, error);
    // Standard output, or nowhere (render without an output draws it all the same).
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (!ce::ui::writeFigure(buffer, target.format.isEmpty() ? QStringLiteral("png") : target.format, runs, advice, options, error))
        return false;
    return target.path.isEmpty() || ce::writeStandardOutput(buffer.data(), error);
}

// Without a desktop session Qt warns that XDG_RUNTIME_DIR is unset and uses a default:
// harmless, but on a command line it would be a second line under every error message.
QtMessageHandler g_defaultHandler = nullptr;
void quietHeadless(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (type == QtWarningMsg && message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set")))
        return;
    g_defaultHandler(type, context, message);
}

} // namespace

int main(int argc, char** argv)
{
    // Worker processes start often: they need no application object at all (cli::main
    // serves them before it creates one).
    if (argc >= 2 && std::strcmp(argv[1], "worker") == 0)
        return ce::cli::main(argc, argv);
    // The window on a saved run or a preset (`open FILE`, `window`): never headless.
    if (argc >= 2 && ce::ui::isLaunchVerb(argv[1]))
        return ce::ui::launchWindow(argc, argv);

    // Commands draw figures offscreen; without a display even the default (no command) does.
    // QApplication aborts without a display before it parses anything, so choose first.
    const bool headless = argc > 1 || !hasDisplay();
    if (headless && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    g_defaultHandler = qInstallMessageHandler(quietHeadless);
    QApplication app(argc, argv);

    QCoreApplication::setOrganizationName(QStringLiteral("Concurrency Explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("concurrency-explorer"));
    if (!headless) {
        ce::ui::MainWindow window;
        window.show();
        return QApplication::exec();
    }
    if (argc == 1)
        std::fputs("No display found: running the demo instead of the window.\n", stdout);

    ce::cli::Hooks hooks;
    hooks.writeFigure = writeFigure;
    hooks.writeSweepFigure = [](const ce::SweepResult& sweep, const QString& path, QSize size, std::string* error) {
        return ce::ui::saveSweepFigure(path, sweep, size, error);
    };
    return ce::cli::main(argc, argv, hooks);
}
