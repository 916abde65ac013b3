#!/usr/bin/perl
# Shared stores (DESIGN.md "Shared stores"): each schema has one owner, and a
# service reaches another's tables only through a common/ module.
#   1. services/<svc>/ (.c and .h, any depth, migrations aside): SQL that
#      names a schema other than <svc>, or keys (only common/ may name it).
#      SQL is a run of adjacent string literals (joined by white space, or
#      by macros in capitals such as ACCOUNT_COLS or API_TS("at")) that holds
#      a keyword in capitals (SELECT, FROM, JOIN, INTO, UPDATE, ...) or calls
#      a schema's function (other.fn(...)); a log message or an event detail
#      that mentions a table is prose, not SQL.
#   2. services/<svc>/migrations/*.sql and common/migrations/<component>/*.sql
#      name their own schema only (comments aside). A migration is never
#      edited once applied (its checksum is recorded), so one that names
#      another schema goes into %MIGRATION_ALLOW below, with the reason.
#   3. Every table common/ names in its SQL is listed in DESIGN.md's
#      "Shared stores" table.
# common/ itself may name any schema. Each failure is listed as file:line.
# usage: check_stores.pl SOURCE_DIR
use strict;
use warnings;
use File::Find;

my $root = shift or die "usage: $0 SOURCE_DIR\n";

# "path | schema.name" => why that migration may name another schema. Empty:
# no migration does. A stale entry fails too.
my %MIGRATION_ALLOW = (
);

# The schemas: one per service (services/<svc>, schema <svc>) and one per
# migration component of common/ (common/migrations/<component>).
opendir(my $sd, "$root/services") or die "$root/services: $!\n";
my @services = sort grep { !/^\./ && -d "$root/services/$_" } readdir $sd;
closedir $sd;
my @components = map { s{.*/}{}r } grep { -d } glob "$root/common/migrations/*";
die "no services found under $root/services\n" unless @services;
my $schema = join '|', map { quotemeta } @services, @components;
# A schema-qualified name: not the tail of a longer name (alias.column.x).
my $qualified = qr/(?<![\w.])($schema)\.([a-z_][a-z0-9_]*)\b/;
my $keyword = qr/\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|INTO|WHERE|USING|RETURNING|VALUES|TABLE|EXISTS|WITH|TRUNCATE|CALL)\b/;

my (@bad, %common_tables);

sub line_of { my ($s, $pos) = @_; return 1 + (substr($s, 0, $pos) =~ tr/\n//) }

# The string literals of C source s as [start, end] offsets (the quotes
# included), comments and character literals skipped, #include lines aside.
sub c_literals {
    my ($s) = @_;
    my @lits;
    pos($s) = 0;
    while (pos($s) < length $s) {
        if ($s =~ /\G\/\*.*?(?:\*\/|\z)/gsc || $s =~ /\G\/\/[^\n]*/gc || $s =~ /\G'(?:[^'\\\n]|\\.)*'?/gc ||
            $s =~ /\G^[ \t]*#[ \t]*include[^\n]*/gmc) {
            next;
        }
        if ($s =~ /\G"(?:[^"\\\n]|\\.)*"?/gc) {
            push @lits, [$-[0], $+[0]];
            next;
        }
        $s =~ /\G[^"'\/#]+|\G./gsc;
    }
    return @lits;
}

# Runs of adjacent literals: what stands between two of one run is white
# space, line continuations, macros in capitals and their parentheses.
sub literal_runs {
    my ($s, @lits) = @_;
    my @runs;
    for my $l (@lits) {
        my $between = @runs ? substr($s, $runs[-1][-1][1], $l->[0] - $runs[-1][-1][1]) : undef;
        $between =~ s{/\*.*?\*/|//[^\n]*}{ }gs if defined $between;
        if (defined $between && $between =~ /^(?:\s|\\|[A-Z][A-Z0-9_]*|[()])*$/) { push @{$runs[-1]}, $l }
        else { push @runs, [$l] }
    }
    return @runs;
}

# Each schema-qualified name in the SQL of C source s: [schema, name, line,
# called as a function].
sub sql_names {
    my ($s) = @_;
    my @names;
    for my $run (literal_runs($s, c_literals($s))) {
        my $text = join ' ', map { substr($s, $_->[0], $_->[1] - $_->[0]) } @$run;
        my $is_sql = $text =~ $keyword;
        for my $l (@$run) {
            my $lit = substr($s, $l->[0], $l->[1] - $l->[0]);
            while ($lit =~ /$qualified(\s*\()?/g) {
                next unless $is_sql || defined $3;
                push @names, [$1, $2, line_of($s, $l->[0] + $-[0]), defined $3];
            }
        }
    }
    return @names;
}

sub slurp {
    my ($f) = @_;
    open(my $fh, '<', $f) or die "$f: $!\n";
    local $/;
    my $s = <$fh>;
    close $fh;
    return $s;
}

# 1. Services' C sources.
for my $svc (@services) {
    my @files;
    find(sub {
        $File::Find::prune = 1 if $_ eq 'migrations';
        push @files, $File::Find::name if /\.[ch]$/ && -f $_;
    }, "$root/services/$svc");
    for my $f (sort @files) {
        (my $rel = $f) =~ s/^\Q$root\E\///;
        for my $n (sql_names(slurp($f))) {
            my ($owner, $name, $line) = @$n;
            next if $owner eq $svc;
            my $why = grep({ $_ eq $owner } @components) ? "only common/ may name $owner.*"
                                                         : "owned by $owner: go through a common/ module";
            push @bad, "$rel:$line: $svc names $owner.$name in SQL ($why)";
        }
    }
}

# 2. Migrations: their owner's schema only.
my @migrations = (map({ my $s = $_; map { [$s, $_] } glob "$root/services/$s/migrations/*.sql" } @services),
                  map({ my $c = $_; map { [$c, $_] } glob "$root/common/migrations/$c/*.sql" } @components));
my %allow_used;
for my $m (@migrations) {
    my ($own, $f) = @$m;
    (my $rel = $f) =~ s/^\Q$root\E\///;
    my $s = slurp($f);
    $s =~ s{/\*.*?\*/}{$& =~ s/[^\n]/ /gr}gse;
    $s =~ s/--[^\n]*//g;
    while ($s =~ /$qualified/g) {
        next if $1 eq $own;
        my $key = "$rel | $1.$2";
        if (exists $MIGRATION_ALLOW{$key}) { $allow_used{$key} = 1; next }
        push @bad, "$rel:" . line_of($s, $-[0]) . ": a migration of $own names $1.$2 (a new migration"
                   . " must not; an applied one goes into check_stores.pl's \%MIGRATION_ALLOW with the reason)";
    }
}
push @bad, "check_stores.pl: stale \%MIGRATION_ALLOW entry '$_' matches nothing"
    for grep { !$allow_used{$_} } sort keys %MIGRATION_ALLOW;

# 3. The tables common/ names are in DESIGN.md's "Shared stores".
for my $f (sort glob "$root/common/*.[ch]") {
    (my $rel = $f) =~ s/^\Q$root\E\///;
    for my $n (sql_names(slurp($f))) {
        $common_tables{"$n->[0].$n->[1]"} //= "$rel:$n->[2]" unless $n->[3];
    }
}
my $design = slurp("$root/DESIGN.md");
my ($shared) = $design =~ /^#+\s*Shared stores\b.*?\n(.*?)(?=^#+\s|\z)/ms;
if (!defined $shared) {
    push @bad, "DESIGN.md: no \"Shared stores\" section";
} else {
    for my $t (sort keys %common_tables) {
        push @bad, "$common_tables{$t}: common/ names $t, which DESIGN.md \"Shared stores\" does not list"
            unless $shared =~ /`\Q$t\E`/;
    }
}

if (@bad) {
    print STDERR "SQL outside its owner's schema (DESIGN.md \"Shared stores\"):\n";
    print STDERR "  $_\n" for @bad;
    exit 1;
}
printf "check_stores: %d services, %d migrations, %d shared tables: each service's SQL names its own schema\n",
    scalar @services, scalar @migrations, scalar keys %common_tables;
exit 0;
