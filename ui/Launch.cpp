#include "Launch.h"

#include "ce/Export.h"
#include "MainWindow.h"
#include "ce/Options.h"
#include "ce/Presets.h"
#include "ReplayBar.h"
#include "RunForm.h"

#include <QApplication>
#include <QTimer>

#include <cstdio>
#include <cstring>

namespace ce::ui {

bool isLaunchVerb(const char* argument)
{
    return argument && (std::strcmp(argument, "open") == 0 || std::strcmp(argument, "window") == 0);
}

LaunchRequest parseLaunch(const QStringList& arguments)
{
    LaunchRequest r;
    if (arguments.isEmpty() || (arguments[0] != QStringLiteral("open") && arguments[0] != QStringLiteral("window"))) {
        r.error = "expected 'open FILE' or 'window'";
        return r;
    }
    r.verb = arguments[0] == QStringLiteral("open") ? LaunchRequest::Verb::Open : LaunchRequest::Verb::Window;
    const std::string verb = arguments[0].toStdString();
    for (int i = 1; i < arguments.size() && r.error.empty(); ++i) {
        const QString a = arguments[i];
        auto value = [&](const char* name) -> QString {
            if (i + 1 >= arguments.size()) {
                r.error = verb + ": " + name + " needs a value";
                return {};
            }
            return arguments[++i];
        };
        if (a == QStringLiteral("--present")) {
            r.present = true;
        } else if (a == QStringLiteral("--code")) {
            r.code = true;
        } else if (a == QStringLiteral("--preset") && r.verb == LaunchRequest::Verb::Window) {
            r.preset = value("--preset");
            if (r.error.empty() && !findPreset(r.preset.toStdString()))
                r.error = "window: no preset named '" + r.preset.toStdString() + "' (concurrency-explorer list shows them)";
        } else if (a == QStringLiteral("--size")) {
            const QString text = value("--size");
            int w = 0, h = 0;
            if (const ConfigProblem p = parseFigureSize(text.toStdString(), &w, &h); r.error.empty() && p)
                r.error = verb + ": " + p.message;
            r.size = QSize(w, h);
        } else if (a == QStringLiteral("--replay-at")) {
            bool ok = false;
            r.replayAt = value("--replay-at").toDouble(&ok);
            if (r.error.empty() && (!ok || r.replayAt < 0))
                r.error = verb + ": --replay-at needs a number of seconds (0 or more)";
        } else if (a == QStringLiteral("--grab")) {
            r.grab = value("--grab");
            if (r.error.empty() && !r.grab.endsWith(QStringLiteral(".png"), Qt::CaseInsensitive))
                r.error = verb + ": --grab: '" + r.grab.toStdString() + "' should end in .png";
        } else if (r.verb == LaunchRequest::Verb::Open && !a.startsWith(QStringLiteral("--")) && r.file.isEmpty()) {
            r.file = a;
        } else if (a.startsWith(QStringLiteral("--"))) {
            r.error = verb + ": unknown option " + a.toStdString() + " (see --help)";
        } else {
            r.error = verb + ": unexpected argument '" + a.toStdString() + "'";
        }
    }
    if (r.error.empty() && r.verb == LaunchRequest::Verb::Open && r.file.isEmpty())
        r.error = "open: which file? concurrency-explorer open FILE.json (a run or comparison saved as JSON)";
    if (r.error.empty() && r.replayAt >= 0 && r.verb == LaunchRequest::Verb::Window)
        r.error = "window: --replay-at needs a run: use open FILE";
    return r;
}

bool canShowWindow()
{
    if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        return true; // chosen explicitly (offscreen, vnc, ...): the user knows where it goes
#if defined(__linux__) || defined(__FreeBSD__)
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
#else
    return true;
#endif
}

namespace {
int fail(const std::string& message)
{
    std::fprintf(stderr, "concurrency-explorer %s\n", message.c_str());
    return 2;
}
} // namespace

int launchWindow(int argc, char** argv)
{
    QStringList arguments;
    for (int i = 1; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const LaunchRequest r = parseLaunch(arguments);
    if (!r.error.empty())
        return fail(r.error);
    const std::string verb = r.verb == LaunchRequest::Verb::Open ? "open" : "window";
    if (!canShowWindow())
        return fail(verb + ": no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set)");
    if (r.verb == LaunchRequest::Verb::Open) {
        // Before any window exists: a bad file is one line and exit 2, nothing else.
        std::vector<RunSnapshot> runs;
        std::string why;
        if (!readRunsJson(r.file, runs, &why) || runs.empty())
            return fail("open: " + (why.empty() ? r.file.toStdString() + " holds no run" : why));
    }

    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Concurrency Explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("concurrency-explorer"));
    MainWindow window;
    if (!r.preset.isEmpty())
        window.form()->selectPreset(r.preset);
    if (r.verb == LaunchRequest::Verb::Open) {
        QString error;
        if (!window.openRun(r.file, &error))
            return fail("open: " + error.toStdString());
    }
    if (r.size.isValid())
        window.resize(r.size);
    window.show();
    if (r.code)
        window.setShowCode(true);
    if (r.present)
        window.setPresentation(true, !r.size.isValid());
    if (r.replayAt >= 0 && window.startReplay(false))
        window.replayBar()->seek(r.replayAt);
    if (!r.grab.isEmpty()) {
        // Let the layouts and the queued replots settle, then take the picture and leave.
        QTimer::singleShot(800, &window, [&window, &r] {
            const bool ok = window.grab().toImage().save(r.grab, "PNG");
            if (!ok)
                std::fprintf(stderr, "concurrency-explorer: cannot write %s\n", qPrintable(r.grab));
            QCoreApplication::exit(ok ? 0 : 1);
        });
    }
    return QApplication::exec();
}

} // namespace ce::ui
