// The option table (core/Options.cpp) checked as data: every option parses its own default,
// holds its bounds, round-trips its choices, is in --help and the man page, and gets the one
// widget in the window's form that its kind calls for. Whatever option is added to the table
// is covered here without a new line of test.
#include "ce/Comparison.h"
#include "ce/Options.h"
#include "ce/RunConfig.h"
#include "RunForm.h"

#include <QAbstractSpinBox>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QProcess>
#include <QSpinBox>
#include <QTest>

#include <cmath>
#include <set>
#include <string>

using namespace ce;

namespace {

// A number as one would type it (never a word: "0" stays "0", not "auto").
std::string typed(double v)
{
    if (std::floor(v) == v && std::fabs(v) < 9.0e15)
        return std::to_string(static_cast<long long>(v));
    return QString::number(v, 'g', 15).toStdString();
}

std::vector<const OptionSpec*> allSpecs()
{
    std::vector<const OptionSpec*> out;
    for (const auto& o : runOptions())
        out.push_back(&o);
    for (const auto& o : commandOptions())
        out.push_back(&o);
    return out;
}

struct Result {
    int code = -1;
    QString out;
    QString err;
};

Result runProgram(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(CE_EXECUTABLE), args);
    if (!p.waitForFinished(60000))
        p.kill();
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

class TestOptions : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesAreUnique()
    {
        std::set<std::string> names;
        for (const OptionSpec* o : allSpecs()) {
            QVERIFY2(names.insert(o->name).second, o->name.c_str());
            QVERIFY2(!o->help.empty(), o->name.c_str());
            QVERIFY2(o->verbs != 0, o->name.c_str());
            QCOMPARE(findOption(o->name), o);
            if (o->takesValue())
                QVERIFY2(!o->valueName.empty(), o->name.c_str());
            if (o->isRunOption())
                QVERIFY2(o->set != nullptr, o->name.c_str());
            if (o->group != FormGroup::Hidden)
                QVERIFY2(o->isRunOption(), o->name.c_str()); // the form shows RunConfig fields
        }
    }

    void everyOptionParsesItsOwnDefault()
    {
        const RunConfig defaults;
        for (const OptionSpec& o : runOptions()) {
            const std::string def = o.kind == OptionKind::Switch ? o.format(o.get(defaults)) : o.defaultValue();
            if (def.empty()) {
                // Only a default that another option decides may go unnamed (--workers: the model's).
                QVERIFY2(o.get(defaults) < o.min, o.name.c_str());
                continue;
            }
            RunConfig c;
            c.tasks = 3; // not the default, so that the option itself has to set what it reads
            const ConfigProblem p = setOption(c, o.name, def);
            QVERIFY2(!p, (o.name + ": " + p.message).c_str());
            QCOMPARE(o.get(c), o.get(defaults));
        }
        for (const OptionSpec& o : commandOptions()) {
            if (o.defaultText.empty())
                continue;
            const ConfigProblem p = o.kind == OptionKind::List ? parseOptionList(o, o.defaultText, nullptr)
                                                                : parseOptionValue(o, o.defaultText, nullptr);
            QVERIFY2(!p, (o.name + ": " + p.message).c_str());
        }
        // And the defaults together make a config that can run.
        QVERIFY(!validateConfig(withDefaults(defaults)));
    }

    void boundsAreEnforced()
    {
        for (const OptionSpec& o : runOptions()) {
            if (!o.bounded())
                continue;
            const std::string name = o.name;
            for (double inside : {o.min, o.max}) {
                RunConfig c;
                const ConfigProblem p = setOption(c, name, typed(inside));
                QVERIFY2(!p, (name + ": " + p.message).c_str());
                QCOMPARE(o.get(c), inside);
                QVERIFY2(!checkBounds(withDefaults(c)), (name + ": " + checkBounds(withDefaults(c)).message).c_str());
            }
            for (double outside : {o.min - 1, o.max + 1}) {
                RunConfig c;
                const ConfigProblem p = setOption(c, name, typed(outside));
                QVERIFY2(p.code == ConfigError::OutOfRange, (name + " " + typed(outside) + ": " + p.message).c_str());
                QVERIFY2(QString::fromStdString(p.message).startsWith(QString::fromStdString("--" + name)), p.message.c_str());
                QCOMPARE(std::count(p.message.begin(), p.message.end(), '\n'), 0);
                // A config built in code is held to the same bounds, except where a word
                // names the value (--chunksize 0 is auto).
                const bool named = std::any_of(o.words.begin(), o.words.end(), [&](const OptionWord& w) { return w.value == outside; });
                RunConfig direct = withDefaults(RunConfig{});
                o.set(direct, outside);
                if (o.get(direct) == outside) // an unsigned field cannot hold -1 at all
                    QCOMPARE(checkBounds(direct).code, named ? ConfigError::None : ConfigError::OutOfRange);
            }
            RunConfig c;
            QCOMPARE(setOption(c, name, "twelve").code, ConfigError::NotANumber);
        }
        for (const OptionSpec* o : allSpecs()) {
            for (const OptionWord& w : o->words) {
                double v = -1;
                QVERIFY(!parseOptionValue(*o, w.word, &v));
                QCOMPARE(v, w.value);
            }
        }
        // The command line's own numbers.
        for (const char* name : {"scale", "port", "seconds"}) {
            const OptionSpec& o = *findOption(name);
            QVERIFY(!parseOptionValue(o, typed(o.min), nullptr));
            QVERIFY(!parseOptionValue(o, typed(o.max), nullptr));
            QCOMPARE(parseOptionValue(o, typed(o.max + 1), nullptr).code, ConfigError::OutOfRange);
            QCOMPARE(parseOptionValue(o, "nan", nullptr).code, ConfigError::NotANumber);
        }
        int w = 0, h = 0;
        const std::string lo = typed(minFigureSide()), hi = typed(maxFigureSide());
        QVERIFY(!parseFigureSize(lo + "x" + hi, &w, &h));
        QCOMPARE(w, minFigureSide());
        QCOMPARE(h, maxFigureSide());
        QVERIFY(parseFigureSize(typed(minFigureSide() - 1) + "x" + hi, &w, &h));
        QVERIFY(parseFigureSize(lo + "x" + typed(maxFigureSide() + 1), &w, &h));
        QVERIFY(parseFigureSize(lo, &w, &h));
        QVERIFY(parseFigureSize(lo + "x" + lo + "x" + lo, &w, &h));
    }

    void enumChoicesRoundTrip()
    {
        for (const OptionSpec& o : runOptions()) {
            if (o.kind != OptionKind::Enum)
                continue;
            QVERIFY2(o.choices.size() >= 2, o.name.c_str());
            for (std::size_t i = 0; i < o.choices.size(); ++i) {
                RunConfig c;
                const ConfigProblem p = setOption(c, o.name, o.choices[i]);
                QVERIFY2(!p, p.message.c_str());
                QCOMPARE(o.get(c), double(i));
                QCOMPARE(o.format(o.get(c)), o.choices[i]);
            }
            RunConfig c;
            const ConfigProblem p = setOption(c, o.name, "no-such-choice");
            QCOMPARE(p.code, ConfigError::NotAChoice);
            for (const std::string& choice : o.choices)
                QVERIFY2(p.message.find(choice) != std::string::npos, p.message.c_str());
        }
        // The choices are the enum tables of Types.cpp, not a copy.
        QCOMPARE(findRunOption("model")->choices.size(), namesOf<Model>().size());
        for (Model m : allModels())
            QCOMPARE(findRunOption("model")->choices[static_cast<std::size_t>(m)], std::string(toString(m)));
        QCOMPARE(findOption("models")->choices, findRunOption("model")->choices);
        std::vector<double> models;
        QVERIFY(!parseOptionList(*findOption("models"), "threads,eventloop", &models));
        QCOMPARE(models, (std::vector<double>{double(Model::Threads), double(Model::EventLoop)}));
        QCOMPARE(parseOptionList(*findOption("models"), "threads,fibers", &models).code, ConfigError::NotAChoice);
    }

    void switchesTakeOnOrOff()
    {
        for (const OptionSpec& o : runOptions()) {
            if (o.kind != OptionKind::Switch)
                continue;
            RunConfig c;
            QVERIFY(!setOption(c, o.name, "on"));
            QCOMPARE(o.get(c), 1.0);
            QVERIFY(!setOption(c, o.name, "off"));
            QCOMPARE(o.get(c), 0.0);
            QCOMPARE(setOption(c, o.name, "yes").code, ConfigError::SwitchValue);
        }
        RunConfig c;
        QCOMPARE(setOption(c, "no-such-option", "1").code, ConfigError::UnknownOption);
    }

    void helpAndManMentionEveryOption()
    {
        const Result help = runProgram({QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        const Result man = runProgram({QStringLiteral("--man")});
        QCOMPARE(man.code, 0);
        const QString limits = QString::fromStdString(limitsText());
        for (const OptionSpec* o : allSpecs()) {
            const QString flag = QStringLiteral("--") + QString::fromStdString(o->name);
            QVERIFY2(help.out.contains(QStringLiteral("  ") + flag), qPrintable(flag));
            QVERIFY2(man.out.contains(QString(flag).replace(QLatin1Char('-'), QStringLiteral("\\-"))), qPrintable(flag));
            QVERIFY2(help.out.contains(QString::fromStdString(o->help)), qPrintable(flag));
            if (!o->defaultValue().empty() && o->kind != OptionKind::Switch)
                QVERIFY2(help.out.contains(QString::fromStdString("(default " + o->defaultValue() + ")")), qPrintable(flag));
            if (o->bounded())
                QVERIFY2(limits.contains(QString::fromStdString(o->name + " " + typed(o->min) + ".." + typed(o->max))), qPrintable(flag));
        }
        QVERIFY(help.out.contains(limits));
    }

    void commandLineRefusesOutOfBoundsWithOneLine()
    {
        for (const OptionSpec& o : runOptions()) {
            if (!o.bounded())
                continue;
            const Result r = runProgram({QStringLiteral("run"), QString::fromStdString("--" + o.name), QString::fromStdString(typed(o.max + 1))});
            QCOMPARE(r.code, 2);
            QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
            QVERIFY2(r.err.contains(QString::fromStdString("--" + o.name)), qPrintable(r.err));
            QVERIFY(r.out.isEmpty());
        }
    }

    void formHasOneWidgetPerVisibleOption()
    {
        ui::RunForm form;
        int visible = 0;
        std::set<QWidget*> widgets;
        for (const OptionSpec& o : runOptions()) {
            QWidget* field = form.field(o.name);
            QCOMPARE(field != nullptr, o.group != FormGroup::Hidden);
            if (!field)
                continue;
            ++visible;
            QVERIFY(widgets.insert(field).second);
            QCOMPARE(field->toolTip().startsWith(QString::fromStdString(o.help)), true);
            switch (o.kind) {
            case OptionKind::Switch:
                QVERIFY2(qobject_cast<QCheckBox*>(field), o.name.c_str());
                break;
            case OptionKind::Enum: {
                auto* combo = qobject_cast<QComboBox*>(field);
                QVERIFY2(combo, o.name.c_str());
                QCOMPARE(combo->count(), int(o.choices.size()));
                for (int i = 0; i < combo->count(); ++i)
                    QCOMPARE(combo->itemText(i).toStdString(), o.choices[std::size_t(i)]);
                break;
            }
            case OptionKind::Int:
            case OptionKind::Double: {
                double lo = 0, hi = 0;
                if (auto* spin = qobject_cast<QSpinBox*>(field)) {
                    QCOMPARE(o.kind, OptionKind::Int);
                    lo = spin->minimum();
                    hi = spin->maximum();
                } else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(field)) {
                    QCOMPARE(dspin->decimals() == 0, o.kind == OptionKind::Int);
                    lo = dspin->minimum();
                    hi = dspin->maximum();
                } else {
                    QFAIL(o.name.c_str());
                }
                QCOMPARE(hi, o.max);
                // The minimum, or one step below it for the named value under it ("auto", "default").
                auto* box = qobject_cast<QAbstractSpinBox*>(field);
                if (lo < o.min)
                    QVERIFY2(!box->specialValueText().isEmpty(), o.name.c_str());
                else
                    QCOMPARE(lo, o.min);
                break;
            }
            default:
                break;
            }
        }
        const int fields = int(form.findChildren<QAbstractSpinBox*>().size() + form.findChildren<QComboBox*>().size()
                               + form.findChildren<QCheckBox*>().size());
        QCOMPARE(fields, visible);
        // Untouched, the form describes the default config.
        QString problem;
        const auto c = form.config(&problem);
        QVERIFY2(c, qPrintable(problem));
        for (const OptionSpec& o : runOptions())
            QVERIFY2(o.get(*c) == o.get(RunConfig{}), o.name.c_str());
        // A value set as typed reaches the config; one outside the bounds does not get in.
        QVERIFY(form.setOption("chunksize", QStringLiteral("auto")));
        QVERIFY(form.setOption("model", QStringLiteral("processes")));
        QVERIFY(form.setOption("workers", QStringLiteral("cores")));
        QVERIFY(!form.setOption("tasks", QString::fromStdString(typed(findRunOption("tasks")->max + 1))));
        const auto d = form.config(&problem);
        QVERIFY2(d, qPrintable(problem));
        QCOMPARE(d->chunksize, RunConfig::kAutoChunksize);
        QCOMPARE(d->tasks, RunConfig{}.tasks);
    }

    void workerExecutableIsAnErrorCode()
    {
        // The processes need the worker's path, which the front end adds: the form and a
        // comparison accept such a config because of the code, whatever the message says.
        RunConfig c;
        c.model = Model::Processes;
        c.workers = 2;
        const ConfigProblem p = validateConfig(c);
        QCOMPARE(p.code, ConfigError::NeedsWorkerExecutable);
        c.workerExecutable = "/bin/worker";
        QVERIFY(!validateConfig(c));

        RunConfig offload;
        offload.model = Model::EventLoop;
        offload.offload = 2;
        offload.offloadTo = OffloadTarget::Processes;
        QCOMPARE(validateConfig(withDefaults(offload)).code, ConfigError::NeedsWorkerExecutable);

        ui::RunForm form;
        QVERIFY(form.setOption("model", QStringLiteral("processes")));
        QString problem;
        QVERIFY2(form.config(&problem), qPrintable(problem));
        QVERIFY(form.setOption("workload", QStringLiteral("counter"))); // counter under processes: refused
        QVERIFY(!form.config(&problem));
        RunConfig counter;
        counter.model = Model::Processes;
        counter.workload = WorkloadKind::Counter;
        counter.workerExecutable = "/bin/worker";
        QCOMPARE(validateConfig(withDefaults(counter)).code, ConfigError::Combination);

        ComparisonRequest request;
        request.base = RunConfig{};
        request.models = {Model::Sequential, Model::Processes};
        std::string error;
        QCOMPARE(comparisonConfigs(request, &error).size(), std::size_t(2));
        QVERIFY(error.empty());
    }
};

QTEST_MAIN(TestOptions)
#include "tst_options.moc"
