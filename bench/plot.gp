# gnuplot script of bench/lib/report.sh: run in the work directory with
# -e "out='...png'; title='...'; has_ratio=0|1; has_rate=0|1; has_lat=0|1; has_sweep=0|1";
# reads ratio.dat, rate.dat, lat.dat and sweep.dat (a panel with has_X=0 says "not run").
set terminal pngcairo size 2000,520 font "DejaVu Sans,10"
set output out
set multiplot layout 1,4 title title font ",13"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 nomirror
set grid ytics
set key top left

not_run = 'set label 1 "no scenario of this panel ran" at graph 0.5, 0.5 center; plot [0:1] [0:1] NaN notitle; unset label 1'

set title "ratio to the same-run baseline (bars) vs target (marks)"
set yrange [0:*]
if (has_ratio) {
  plot "ratio.dat" using 2:xtic(1) title "ratio" lc rgb "#3b75af", \
       "" using 0:3 with points pt 7 ps 1.6 lc rgb "#c03030" title "target"
} else { eval not_run }

set title "throughput per second (log scale)"
set yrange [*:*]
if (has_rate) {
  set logscale y
  plot "rate.dat" using 2:xtic(1) title "atsbridge" lc rgb "#3b75af", \
       "" using 3 title "baseline" lc rgb "#a0a0a0"
  unset logscale y
} else { eval not_run }

set title "latency, ms (log scale): pipeline = 202 -> delivered; ingest = answer"
if (has_lat) {
  set logscale y
  plot "lat.dat" using 2:xtic(1) title "p50" lc rgb "#6aa0d0", \
       "" using 3 title "p99" lc rgb "#3b75af", \
       "" using 4 title "baseline p50" lc rgb "#d0d0d0", \
       "" using 5 title "baseline p99" lc rgb "#909090"
  unset logscale y
} else { eval not_run }

set title "ingest vs its bound by concurrency: accepted/s (left), p99 ms (right)"
if (has_sweep) {
  unset style data
  set style data linespoints
  set xtics norotate
  set logscale x 2
  set xlabel "connections"
  set y2tics
  set logscale y2
  set ytics nomirror
  set yrange [0:*]
  plot "sweep.dat" using 1:2 title "ingest /s" lw 2 lc rgb "#3b75af", \
       "" using 1:3 title "bound /s" lw 2 lc rgb "#909090", \
       "" using 1:5 axes x1y2 title "ingest p99" dt 2 lc rgb "#3b75af", \
       "" using 1:6 axes x1y2 title "bound p99" dt 2 lc rgb "#909090"
} else { eval not_run }
unset multiplot
