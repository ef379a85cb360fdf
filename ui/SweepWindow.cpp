#include "SweepWindow.h"

#include "SweepFigure.h"

#include <QCloseEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include <sstream>

namespace ce::ui {

SweepWindow::SweepWindow(const RunConfig& base, const QString& models, const QString& workers, QWidget* parent)
    : QDialog(parent), m_base(base)
{
    setWindowTitle(tr("Sweep: how far each model goes"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_models = new QLineEdit(models);
    m_models->setToolTip(tr("Models to sweep, separated by commas: %1").arg(QString::fromStdString(modelNames())));
    m_workers = new QLineEdit(workers);
    m_workers->setToolTip(tr("Worker counts (tasks in flight for the event loop), separated by commas, in the order to run them"));
    form->addRow(tr("models"), m_models);
    form->addRow(tr("workers"), m_workers);
    layout->addLayout(form);
    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Run sweep"));
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setEnabled(false);
    m_export = new QPushButton(tr("Export…"));
    m_export->setEnabled(false);
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_export);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    m_status = new QLabel(tr("The workload comes from the main window's form: ") + QString::fromStdString(describeWorkload(base)));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_figure = new QLabel;
    m_figure->setMinimumSize(640, 400);
    m_figure->setAlignment(Qt::AlignCenter);
    layout->addWidget(m_figure, 1);
    m_timer = new QTimer(this);
    m_timer->setInterval(200);
    connect(m_timer, &QTimer::timeout, this, &SweepWindow::poll);
    connect(m_start, &QPushButton::clicked, this, &SweepWindow::start);
    connect(m_cancel, &QPushButton::clicked, this, &SweepWindow::cancel);
    connect(m_export, &QPushButton::clicked, this, &SweepWindow::exportFigure);
    resize(1200, 800);
}

SweepWindow::~SweepWindow()
{
    m_cancelled.store(true);
    join();
}

void SweepWindow::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

SweepResult SweepWindow::result() const
{
    std::lock_guard lock(m_mutex);
    return m_sweep;
}

void SweepWindow::start()
{
    if (m_running.load())
        return;
    join();
    SweepResult sweep;
    sweep.base = m_base;
    std::string problem;
    std::stringstream models(m_models->text().toStdString());
    for (std::string name; std::getline(models, name, ',');) {
        if (name.empty())
            continue;
        const auto m = modelFromString(name);
        if (!m) {
            problem = "'" + name + "' is not a model";
            break;
        }
        sweep.models.push_back(*m);
    }
    std::stringstream workers(m_workers->text().toStdString());
    for (std::string w; problem.empty() && std::getline(workers, w, ',');) {
        char* end = nullptr;
        const long v = std::strtol(w.c_str(), &end, 10);
        if (w.empty() || *end != '\0' || v < 1 || v > 100000000)
            problem = "'" + w + "' is not a whole number of workers from 1";
        else
            sweep.workers.push_back(static_cast<int>(v));
    }
    if (problem.empty() && (sweep.models.empty() || sweep.workers.empty()))
        problem = "give at least one model and one worker count";
    if (!problem.empty()) {
        m_status->setText(tr("Cannot sweep: ") + QString::fromStdString(problem));
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_sweep = sweep;
    }
    m_shownPoints = 0;
    m_cancelled.store(false);
    m_running.store(true);
    m_start->setEnabled(false);
    m_cancel->setEnabled(true);
    m_export->setEnabled(false);
    m_status->setText(tr("Running…"));
    m_thread = std::thread([this, sweep] {
        for (Model m : sweep.models) {
            for (int w : sweep.workers) {
                std::string machine;
                SweepPoint p = runSweepPoint(sweep.base, m, w, [this] { return m_cancelled.load(); }, &machine);
                std::lock_guard lock(m_mutex);
                m_sweep.points.push_back(std::move(p));
                fillSweepSpeedups(m_sweep.points);
                if (!machine.empty())
                    m_sweep.machine = machine;
                m_sweep.cancelled = m_cancelled.load();
            }
        }
        m_running.store(false);
    });
    m_timer->start();
}

void SweepWindow::cancel() { m_cancelled.store(true); }

void SweepWindow::poll()
{
    std::size_t count = 0, total = 0;
    {
        std::lock_guard lock(m_mutex);
        count = m_sweep.points.size();
        total = m_sweep.models.size() * m_sweep.workers.size();
    }
    if (count != m_shownPoints) {
        m_shownPoints = count;
        redraw();
    }
    if (m_running.load()) {
        m_status->setText(tr("Running point %1 of %2…").arg(count + 1).arg(total));
        return;
    }
    join();
    m_timer->stop();
    m_start->setEnabled(true);
    m_cancel->setEnabled(false);
    m_export->setEnabled(count > 0);
    m_status->setText(m_cancelled.load() ? tr("Cancelled: the points not run are marked so.") : tr("Done: %1 points.").arg(count));
    redraw();
    Q_EMIT finished();
}

void SweepWindow::redraw()
{
    const SweepResult sweep = result();
    if (sweep.points.empty()) {
        m_figure->clear();
        return;
    }
    const QSize size = m_figure->size().expandedTo(QSize(640, 400));
    m_figure->setPixmap(QPixmap::fromImage(renderSweepFigure(sweep, size)));
}

void SweepWindow::resizeEvent(QResizeEvent* event)
{
    QDialog::resizeEvent(event);
    if (m_shownPoints > 0)
        redraw();
}

void SweepWindow::closeEvent(QCloseEvent* event)
{
    m_cancelled.store(true);
    QDialog::closeEvent(event);
}

void SweepWindow::exportFigure()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the sweep"), QStringLiteral("sweep.png"),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
    if (path.isEmpty())
        return;
    std::string error;
    if (!saveSweepFigure(path, result(), QSize(1600, 900), &error))
        m_status->setText(QString::fromStdString(error));
    else
        m_status->setText(tr("Wrote ") + path);
}

} // namespace ce::ui
