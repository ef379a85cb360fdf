#include "ce/Presets.h"

#include "ce/Options.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace ce {
namespace {

std::vector<Preset> loadAll(std::vector<std::string>& errors)
{
    std::vector<Preset> out;
    const QDir dir(QStringLiteral(":/presets"));
    const auto files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString& file : files) {
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly)) {
            errors.push_back("cannot read preset " + file.toStdString());
            continue;
        }
        QJsonParseError perr;
        const auto doc = QJsonDocument::fromJson(f.readAll(), &perr);
        if (!doc.isObject()) {
            errors.push_back("preset " + file.toStdString() + ": " + perr.errorString().toStdString());
            continue;
        }
        const QJsonObject o = doc.object();
        Preset p;
        p.name = o.value(QStringLiteral("name")).toString().toStdString();
        p.title = o.value(QStringLiteral("title")).toString().toStdString();
        p.explanation = o.value(QStringLiteral("explanation")).toString().toStdString();
        const QJsonObject opts = o.value(QStringLiteral("options")).toObject();
        for (auto it = opts.begin(); it != opts.end(); ++it)
            p.options.emplace_back(it.key().toStdString(), it.value().toString().toStdString());
        for (const auto& entry : o.value(QStringLiteral("compare")).toArray()) {
            std::map<std::string, std::string> overrides;
            const QJsonObject e = entry.toObject();
            for (auto it = e.begin(); it != e.end(); ++it)
                overrides[it.key().toStdString()] = it.value().toString().toStdString();
            p.compare.push_back(std::move(overrides));
        }
        const QJsonObject sweep = o.value(QStringLiteral("sweep")).toObject();
        p.sweepModels = sweep.value(QStringLiteral("models")).toString().toStdString();
        p.sweepWorkers = sweep.value(QStringLiteral("workers")).toString().toStdString();
        // "code" is a string or, easier to read in JSON, an array of lines.
        const QJsonValue code = o.value(QStringLiteral("code"));
        if (code.isArray()) {
            QStringList lines;
            for (const auto& line : code.toArray())
                lines << line.toString();
            p.code = lines.join(QLatin1Char('\n')).toStdString();
        } else {
            p.code = code.toString().toStdString();
        }
        for (const auto& entry : o.value(QStringLiteral("captions")).toArray()) {
            const QJsonObject c = entry.toObject();
            const double at = c.value(QStringLiteral("at")).toDouble(-1);
            const QString text = c.value(QStringLiteral("text")).toString();
            if (at < 0 || text.isEmpty()) {
                errors.push_back("preset " + file.toStdString() + ": a caption needs \"at\" (seconds, >= 0) and \"text\"");
                continue;
            }
            p.captions.push_back({at, text.toStdString()});
        }
        std::stable_sort(p.captions.begin(), p.captions.end(), [](const Caption& a, const Caption& b) { return a.atS < b.atS; });
        out.push_back(std::move(p));
    }
    std::sort(out.begin(), out.end(), [](const Preset& a, const Preset& b) { return a.name < b.name; });
    return out;
}

} // namespace

const std::vector<Preset>& presets(std::vector<std::string>* errors)
{
    static std::vector<std::string> loadErrors;
    static const std::vector<Preset> all = loadAll(loadErrors);
    if (errors)
        *errors = loadErrors;
    return all;
}

std::optional<Preset> findPreset(const std::string& name)
{
    for (const auto& p : presets()) {
        if (p.name == name)
            return p;
    }
    return std::nullopt;
}

std::string applyPreset(const Preset& preset, RunConfig& config)
{
    for (const auto& [key, value] : preset.options) {
        const std::string problem = applyOption(config, key, value);
        if (!problem.empty())
            return "preset " + preset.name + ": " + problem;
    }
    config.preset = preset.name;
    return {};
}

} // namespace ce
